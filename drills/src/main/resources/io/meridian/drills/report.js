// Draws the drill report's charts with uPlot from the JSON in #report-data; marks events on every chart with
// labels stacked in rows so that none overlaps another; hovering an event row highlights its marker.
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var colors = ['#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];
  var hot = -1;
  var charts = [];
  var overlaps = {}; // per chart, as of its last draw
  var markers = {}; // per chart: event lines drawn
  var hidden = {}; // per chart: labels that did not fit the plot's height (their line is still drawn)
  // one time axis for every chart, events included, so markers line up and none falls outside a chart
  var maxX = 1;
  data.events.forEach(function (e) { maxX = Math.max(maxX, e.seconds); });
  data.charts.forEach(function (c) {
    c.series.forEach(function (s) { s.points.forEach(function (p) { maxX = Math.max(maxX, p[0]); }); });
  });

  // every series' points on one x axis: a point a series lacks is undefined (joined over), a gap marker is null
  function align(series) {
    var xs = {};
    series.forEach(function (s) { s.points.forEach(function (p) { xs[p[0]] = true; }); });
    var x = Object.keys(xs).map(Number).sort(function (a, b) { return a - b; });
    var index = {};
    x.forEach(function (v, i) { index[v] = i; });
    var ys = series.map(function (s) {
      var y = new Array(x.length);
      s.points.forEach(function (p, i) {
        if (p[1] !== null) {
          y[index[p[0]]] = p[1];
        } else if (i > 0 && i < s.points.length - 1) {
          // a gap: every x between the points around the marker is null, so no line crosses the silence
          for (var k = index[s.points[i - 1][0]] + 1; k < index[s.points[i + 1][0]]; k++) {
            y[k] = null;
          }
        }
      });
      return y;
    });
    return [x].concat(ys);
  }

  function eventsPlugin(chartIndex) {
    return {
      hooks: {
        draw: function (u) {
          var ctx = u.ctx;
          var px = uPlot.pxRatio;
          var top = u.bbox.top;
          var bottom = u.bbox.top + u.bbox.height;
          var rowHeight = 13 * px;
          var rows = []; // per row, the [left, right] of the labels placed in it
          var boxes = [];
          var maxRows = Math.max(1, Math.floor((u.bbox.height - 2 * px) / rowHeight));
          var notShown = 0;
          var lines = 0;
          ctx.save();
          ctx.font = (10 * px) + 'px system-ui, sans-serif';
          ctx.textBaseline = 'top';
          ctx.textAlign = 'left'; // uPlot's axes leave it centred: the boxes below assume left-aligned text
          data.events.forEach(function (e, i) {
            var x = Math.round(u.valToPos(e.seconds, 'x', true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) {
              return;
            }
            lines++;
            ctx.strokeStyle = i === hot ? '#000' : '#999';
            ctx.lineWidth = (i === hot ? 2 : 1) * px;
            ctx.setLineDash(i === hot ? [] : [4 * px, 3 * px]);
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, bottom);
            ctx.stroke();
            var label = (i + 1) + ' ' + e.kind;
            var w = ctx.measureText(label).width + 6 * px;
            // right of its line, or left of it where the plot ends
            var left = x + 2 * px + w <= u.bbox.left + u.bbox.width ? x + 2 * px : x - 2 * px - w;
            var row = 0; // the first row where this label meets no other
            while (rows[row] && rows[row].some(function (r) { return left < r[1] + 2 * px && r[0] < left + w + 2 * px; })) {
              row++;
            }
            if (row >= maxRows) {
              notShown++; // no room left in the plot: the event table still lists it
              return;
            }
            (rows[row] = rows[row] || []).push([left, left + w]);
            var y = top + 2 * px + row * rowHeight;
            boxes.push([left, y, left + w, y + rowHeight - px]);
            ctx.fillStyle = 'rgba(255,255,255,0.85)';
            ctx.fillRect(left, y, w, rowHeight - px);
            ctx.fillStyle = i === hot ? '#000' : '#555';
            ctx.fillText(label, left + 3 * px, y + px);
          });
          ctx.restore();
          var found = 0;
          for (var a = 0; a < boxes.length; a++) {
            for (var b = a + 1; b < boxes.length; b++) {
              var p = boxes[a], q = boxes[b];
              if (p[0] < q[2] && q[0] < p[2] && p[1] < q[3] && q[1] < p[3]) {
                found++;
              }
            }
          }
          overlaps[chartIndex] = found;
          hidden[chartIndex] = notShown;
          markers[chartIndex] = lines;
          if (!u.data[0] || u.data[0].length === 0) {
            ctx.save();
            ctx.font = (13 * px) + 'px system-ui, sans-serif';
            ctx.fillStyle = '#888';
            ctx.textAlign = 'center';
            ctx.fillText('no data', u.bbox.left + u.bbox.width / 2, top + u.bbox.height / 2);
            ctx.restore();
          }
          var drawn = Object.keys(overlaps);
          document.body.setAttribute('data-charts-drawn', String(drawn.length));
          document.body.setAttribute('data-event-markers', String(drawn.reduce(function (t, k) { return t + markers[k]; }, 0)));
          document.body.setAttribute('data-labels-hidden', String(drawn.reduce(function (t, k) { return t + hidden[k]; }, 0)));
          document.body.setAttribute('data-label-overlaps', String(drawn.reduce(function (t, k) { return t + overlaps[k]; }, 0)));
        }
      }
    };
  }

  var holder = document.getElementById('charts');
  data.charts.forEach(function (c, chartIndex) {
    var el = document.createElement('div');
    el.className = 'chart';
    holder.appendChild(el);
    var series = [{ label: 'seconds' }].concat(c.series.map(function (s, i) {
      return { label: s.name, stroke: s.name === 'errors' ? '#cf222e' : colors[i % colors.length], width: 1.6, spanGaps: false };
    }));
    var opts = {
      title: c.title + ' (' + c.unit + ')',
      width: 1040,
      height: 250,
      series: series,
      scales: { x: { time: false, range: function () { return [0, maxX]; } } },
      axes: [{ label: 'seconds since start' }, { label: c.unit }],
      legend: { live: false },
      plugins: [eventsPlugin(chartIndex)]
    };
    charts.push(new uPlot(opts, c.series.length ? align(c.series) : [[]], el));
  });

  document.querySelectorAll('tr[data-event]').forEach(function (r) {
    r.addEventListener('mouseenter', function () { hot = Number(r.dataset.event); r.classList.add('hot'); charts.forEach(function (u) { u.redraw(false); }); });
    r.addEventListener('mouseleave', function () { hot = -1; r.classList.remove('hot'); charts.forEach(function (u) { u.redraw(false); }); });
  });
  document.body.setAttribute('data-charts', String(document.querySelectorAll('.uplot').length));
})();
