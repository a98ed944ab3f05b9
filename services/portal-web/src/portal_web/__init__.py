"""portal-web: the server-rendered customer portal and staff console. A client of the services' APIs."""
SERVICE = "portal-web"
