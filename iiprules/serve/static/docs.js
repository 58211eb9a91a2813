// The interactive API documentation: Swagger UI over this service's /openapi.json.
// Everything is served by iiprules itself; nothing is fetched from elsewhere.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: true,
  validatorUrl: null,
});
