"""The line items and offsets of cost-model.md §2.2, as data the pages, the
CLI and the brief can list: a code, a label, who pays, and whether the item
is caused by the 287(g) agreement or by an arrangement beside it."""

from __future__ import annotations

from dataclasses import dataclass

from tidewatch.costmodel.text import N_

COST, OFFSET = "cost", "offset"
# Who the money comes from, for an offset (a cost is paid locally first).
FEDERAL, STATE = "federal", "state"
# What causes the item.
AGREEMENT, COLOCATED = "287(g) agreement", "co-located arrangement"


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    kind: str  # cost | offset
    attribution: str  # AGREEMENT | COLOCATED
    payer: str = ""  # for offsets: FEDERAL | STATE
    formula: str = ""


ITEMS: tuple[Item, ...] = (
    Item("L1", N_("Officers on 287(g) work full time"), COST, AGREEMENT,
         formula=N_("officers × salary × (1 + benefits)")),
    Item("L2", N_("Part-time 287(g) duties of other officers"), COST, AGREEMENT,
         formula=N_("officers × hours × hourly cost")),
    Item("L3", N_("Overtime"), COST, AGREEMENT,
         formula=N_("overtime share × salary × officers")),
    Item("L4", N_("Jail days of people held for ICE"), COST, AGREEMENT,
         formula=N_("people held × extra days × cost per day × share caused")),
    Item("L5", N_("Jail beds rented to ICE or the Marshals"), COST, COLOCATED,
         formula=N_("beds × 365 × cost per day")),
    Item("L6", N_("Training"), COST, AGREEMENT,
         formula=N_("first year: officers × cover; later: officers × refresher "
                    "hours × hourly cost")),
    Item("L7", N_("Transport to ICE"), COST, AGREEMENT,
         formula=N_("trips × (officers × hours × hourly cost + miles × cost per "
                    "mile)")),
    Item("L8", N_("Equipment and vehicles"), COST, AGREEMENT,
         formula=N_("(equipment × officers + vehicles) / years of use")),
    Item("L9", N_("Supervision, records and legal review"), COST, AGREEMENT,
         formula=N_("share × (L1 + L2)")),
    Item("L10", N_("Lawsuits (expected cost)"), COST, AGREEMENT,
         formula=N_("chance of a claim × cost of a claim")),
    Item("O1", N_("ICE's payments for people held"), OFFSET, AGREEMENT, FEDERAL,
         N_("people held × extra days × share paid × per diem")),
    Item("O1b", N_("ICE's payments for rented beds"), OFFSET, COLOCATED, FEDERAL,
         N_("beds × 365 × per diem")),
    Item("O2", N_("Federal reimbursement of task force pay"), OFFSET, AGREEMENT,
         FEDERAL, N_("share × officers × salary × (1 + benefits) × chance paid")),
    Item("O3", N_("Federal reimbursement of overtime"), OFFSET, AGREEMENT, FEDERAL,
         N_("chance paid × overtime, at most 25% of salary")),
    Item("O4", N_("Federal performance awards"), OFFSET, AGREEMENT, FEDERAL,
         N_("officers × award × 4 quarters")),
    Item("O5", N_("Federal equipment and vehicle money"), OFFSET, AGREEMENT, FEDERAL,
         N_("(equipment money × officers + vehicle money) / years of use")),
    Item("O7", N_("State grants and bonuses"), OFFSET, AGREEMENT, STATE,
         N_("grants + Florida bonus × officers")),
    Item("O8", N_("SCAAP"), OFFSET, AGREEMENT, FEDERAL,
         N_("hold days × SCAAP rate × share paid")),
    Item("O9", N_("Treasury Forfeiture Fund overtime"), OFFSET, AGREEMENT, FEDERAL,
         N_("as reported")),
)  # fmt: skip

BY_CODE: dict[str, Item] = {item.code: item for item in ITEMS}
COSTS = tuple(i.code for i in ITEMS if i.kind == COST)
OFFSETS = tuple(i.code for i in ITEMS if i.kind == OFFSET)

# L11, the community and trust cost, is shown in words, never in dollars
# (cost-model.md §2.2): it has no number to add.
COMMUNITY_NOTE = N_(
    "Not counted in dollars: what the agreement does to trust, to residents' "
    "willingness to report crimes and to come forward as witnesses."
)
