/* The API reference (/api/v1/docs, app/web/api_docs.py): Swagger UI over the OpenAPI
 * document the server writes from the routes' own declarations. A native ES module. */
const stage = document.getElementById("swagger-ui");
window.SwaggerUIBundle({url: stage.dataset.spec, domNode: stage, deepLinking: true});
