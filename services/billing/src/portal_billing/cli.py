"""`portal-billing migrate`."""
from portal_billing import SERVICE
from portal_shared.cli import service_cli

main = service_cli(service=SERVICE, package="portal_billing")
