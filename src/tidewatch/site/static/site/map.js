/*
 * Tidewatch county map: draws each <figure data-map> (site/_map.html) as SVG
 * from us-atlas (Albers, already projected: d3.geoPath() with no projection)
 * and /data/map/counties.json (per map shape, runs [first, last, models bits]
 * over ICE's participating lists; JEM=1, WSO=2, TFM=4). The timeline range
 * replays the lists. Translated words come from the figure's data-label-*
 * attributes; there is no inline script (Content-Security-Policy).
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var MODELS = [["JEM", 1], ["WSO", 2], ["TFM", 4]];
  var STEP_MS = 800;

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    if (parent) parent.appendChild(node);
    return node;
  }

  function modelsOf(mask) {
    return MODELS.filter(function (m) { return mask & m[1]; })
      .map(function (m) { return m[0]; });
  }

  // Runs -> one mask per list.
  function expand(runs, length) {
    var masks = new Uint8Array(length);
    runs.forEach(function (run) {
      for (var i = run[0]; i <= run[1] && i < length; i++) masks[i] = run[2];
    });
    return masks;
  }

  // Diagonal stripes of each model colour in a mask (one stripe: solid).
  // Colours come from site.css (.m1, .m2, .m4), so the legend matches.
  function patterns(svg, prefix, unit) {
    var defs = el("defs", {}, svg);
    for (var mask = 1; mask < 8; mask++) {
      var parts = MODELS.filter(function (m) { return mask & m[1]; });
      var size = unit * parts.length;
      var pattern = el("pattern", {
        id: prefix + mask, patternUnits: "userSpaceOnUse",
        width: size, height: size, patternTransform: "rotate(45)"
      }, defs);
      parts.forEach(function (m, i) {
        el("rect", {
          "class": "m" + m[1], x: i * unit, y: 0, width: unit, height: size
        }, pattern);
      });
    }
  }

  function draw(figure, topology, data) {
    var scope = figure.dataset.scope;
    var fips = figure.dataset.fips || "";
    var lang = figure.dataset.lang || document.documentElement.lang || "en";
    var countyUrl = figure.dataset.countyUrl;
    var lists = data.lists;
    var n = lists.length;
    var states = {};
    topojson.feature(topology, topology.objects.states).features
      .forEach(function (f) { states[f.id] = f; });
    var stateFips = scope === "nation" ? null : fips.slice(0, 2);
    var counties = topojson.feature(topology, topology.objects.counties).features
      .filter(function (f) { return !stateFips || f.id.slice(0, 2) === stateFips; })
      .sort(function (a, b) { return a.id < b.id ? -1 : 1; });
    var canvas = figure.querySelector(".map-canvas");
    if (!counties.length) {
      canvas.querySelector(".map-nojs").textContent = figure.dataset.labelFailed;
      return;
    }
    var path = d3.geoPath();
    var box = [[0, 0], [975, 610]];
    if (stateFips && states[stateFips]) box = path.bounds(states[stateFips]);
    var pad = (box[1][0] - box[0][0]) * 0.02;
    var width = box[1][0] - box[0][0] + 2 * pad;
    var height = box[1][1] - box[0][1] + 2 * pad;
    var svg = el("svg", {
      viewBox: [box[0][0] - pad, box[0][1] - pad, width, height].join(" "),
      role: "group", "aria-label": figure.dataset.labelMap, "class": "county-map"
    });
    var prefix = figure.id + "-m";
    var scale = width / 975;
    patterns(svg, prefix, 2.2 * Math.max(scale, 0.08));
    var stroke = Math.max(scale, 0.05);
    var layer = el("g", { "class": "counties", "stroke-width": 0.5 * stroke });
    svg.appendChild(layer);

    // The data county a shape opens, and its models on each list.
    var shapes = counties.map(function (f) {
      var runs = data.counties[f.id];
      var target = data.fips[f.id] || f.id;
      var state = states[f.id.slice(0, 2)];
      var name = data.names[f.id] ||
        (f.properties.name + (state ? ", " + state.properties.name : ""));
      var shape = el("path", {
        d: path(f), "class": "county", "data-fips": f.id, "data-models": ""
      });
      var title = el("title", {}, shape);
      // Every shape opens its county page ("no agreement" is an answer too);
      // only counties with data are in the keyboard's tab order, the others
      // are reachable by search and the county pages themselves.
      var link = el("a", { href: countyUrl.replace("00000", target) }, layer);
      if (!runs) link.setAttribute("tabindex", "-1");
      link.appendChild(shape);
      return {
        id: f.id, target: target, name: name, shape: shape, title: title,
        link: link, masks: runs ? expand(runs, n) : null
      };
    });
    if (stateFips && states[stateFips]) {
      el("path", {
        d: path(states[stateFips]), "class": "state-outline", "stroke-width": stroke
      }, svg);
    } else {
      var borders = topojson.mesh(topology, topology.objects.states, function (a, b) {
        return a !== b;
      });
      el("path", {
        d: path(borders), "class": "state-borders", "stroke-width": stroke
      }, svg);
      el("path", {
        d: path(topojson.mesh(topology, topology.objects.nation)),
        "class": "state-outline", "stroke-width": stroke
      }, svg);
    }
    if (scope === "county") {
      shapes.forEach(function (s) {
        if (s.target === fips || s.id === (figure.dataset.shape || fips)) {
          s.shape.classList.add("highlight");
          s.shape.setAttribute("stroke-width", 2.5 * stroke);
          layer.appendChild(s.link); // drawn last: the outline stays on top
        }
      });
    }

    var dates = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone: "UTC" });
    var controls = figure.querySelector(".map-timeline");
    var range = controls.querySelector(".map-range");
    var output = controls.querySelector(".map-date");
    var source = controls.querySelector(".map-source");
    var counter = controls.querySelector(".map-count");
    var play = controls.querySelector(".map-play");

    function show(index) {
      var coloured = 0;
      shapes.forEach(function (s) {
        var mask = s.masks ? s.masks[index] : 0;
        var models = modelsOf(mask);
        if (mask) {
          coloured += 1;
          s.shape.setAttribute("fill", "url(#" + prefix + mask + ")");
        } else {
          s.shape.removeAttribute("fill");
        }
        s.shape.setAttribute("class", "county m" + mask +
          (s.shape.classList.contains("highlight") ? " highlight" : ""));
        s.shape.setAttribute("data-models", models.join(" "));
        var text = s.name + ": " +
          (models.length ? models.join(", ") : figure.dataset.labelNone);
        s.title.textContent = text;
        s.link.setAttribute("aria-label", text);
      });
      var list = lists[index];
      var day = new Date(list.as_of + "T00:00:00Z");
      output.textContent = dates.format(day);
      source.href = list.raw;
      source.title = list.name;
      counter.textContent = "(" + coloured.toLocaleString(lang) + " " +
        figure.dataset.labelCounties + ")";
      range.setAttribute("aria-valuetext", output.textContent);
    }

    var timer = null;
    function stop() {
      if (timer) clearInterval(timer);
      timer = null;
      play.textContent = figure.dataset.labelPlay;
      play.setAttribute("aria-pressed", "false");
    }
    function step() {
      var next = Number(range.value) + 1;
      if (next >= n) { stop(); return; }
      range.value = String(next);
      show(next);
    }
    play.addEventListener("click", function () {
      if (timer) { stop(); return; }
      if (Number(range.value) >= n - 1) { range.value = "0"; show(0); }
      play.textContent = figure.dataset.labelPause;
      play.setAttribute("aria-pressed", "true");
      timer = setInterval(step, STEP_MS);
    });
    range.addEventListener("input", function () { show(Number(range.value)); });
    range.addEventListener("keydown", function () { if (timer) stop(); });

    range.max = String(Math.max(n - 1, 0));
    range.value = String(Math.max(n - 1, 0));
    canvas.textContent = "";
    canvas.appendChild(svg);
    if (n) {
      show(n - 1);
      controls.hidden = false;
    }
    svg.setAttribute("data-ready", "true");
  }

  function init(figure) {
    if (figure.dataset.drawn) return;
    figure.dataset.drawn = "true";
    Promise.all([
      fetch(figure.dataset.atlas).then(function (r) { return r.json(); }),
      fetch(figure.dataset.src).then(function (r) { return r.json(); })
    ]).then(function (loaded) {
      draw(figure, loaded[0], loaded[1]);
    }).catch(function () {
      var note = figure.querySelector(".map-nojs");
      if (note) note.textContent = figure.dataset.labelFailed;
    });
  }

  document.querySelectorAll("figure[data-map]").forEach(init);
})();
