"""The API's resources, one module each; `ALL` is the order they appear in the OpenAPI document."""
