"""The REST API (/api/v1): bearer tokens with scopes, problem+json errors, OpenAPI 3.1 from the
code (flask-smorest), signed webhooks from the outbox and SCIM deprovisioning."""
