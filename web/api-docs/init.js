// Starts Swagger UI on this deployment's own OpenAPI document. Served from
// this origin like the bundle beside it, so the page needs no third party.
window.ui = SwaggerUIBundle({
	url: "/openapi.json",
	dom_id: "#swagger-ui",
	deepLinking: true,
	// The validator badge would call validator.swagger.io: no third-party origins.
	validatorUrl: null,
});
