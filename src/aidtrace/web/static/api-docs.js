// /api/docs: Swagger UI over the app's OpenAPI description. The bundle is served by the app
// (/static/vendor/swagger-ui-bundle.js, from the fastapi-offline package); this file starts
// it, since the Content-Security-Policy forbids inline scripts.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("swagger-ui");
  if (!element || typeof SwaggerUIBundle === "undefined") {
    return;
  }
  SwaggerUIBundle({
    url: element.dataset.openapi,
    domNode: element,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
