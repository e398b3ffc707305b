// aidtrace dashboard: draws the charts whose data the page carries as JSON.
// No inline scripts (the Content-Security-Policy forbids them); Plotly comes from the
// installed plotly package via /static/vendor/plotly.min.js.
"use strict";

function drawCharts() {
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source || typeof Plotly === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    narrow(element, spec.layout);
    Plotly.newPlot(element, spec.data, spec.layout, {
      displaylogo: false,
      responsive: true,
      modeBarButtonsToRemove: ["sendDataToCloud"],
    }).then(function () {
      element.dataset.drawn = "true";
      element.on("plotly_click", function (event) {
        // a point that carries a link (a reported total's source sentence) opens it
        var link = event.points && event.points[0] && event.points[0].customdata;
        if (typeof link === "string" && link.charAt(0) === "/" && link.charAt(1) !== "/") {
          window.location.assign(link);
        }
      });
    });
  });
}

function narrow(element, layout) {
  // on a phone a title does not fit one line (Plotly does not wrap): break it at its parts
  var title = layout.title && layout.title.text;
  if (element.clientWidth >= 600 || typeof title !== "string") {
    return;
  }
  layout.title.text = title.replace(": ", ":<br>").replace(/ \(([^()]*)\)$/, "<br>($1)");
  layout.margin = Object.assign({}, layout.margin, { t: 70, l: 55 });
}

function confirmRejects() {
  var form = document.getElementById("reject-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm("Reject this record? It leaves every measure and export (the decision is logged).")) {
        event.preventDefault();
      }
    });
  }
}

document.addEventListener("DOMContentLoaded", function () {
  drawCharts();
  confirmRejects();
});
