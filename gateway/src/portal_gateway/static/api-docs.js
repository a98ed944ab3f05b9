// Starts Swagger UI on /api/docs. A file of its own, not an inline script, so the page works
// under a Content-Security-Policy without 'unsafe-inline'.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null,   // the default asks an outside validator service: nothing leaves this host
    defaultModelsExpandDepth: 0,
    docExpansion: "list"
  });
});
