"""`portal-visits migrate`."""
from portal_visits import SERVICE
from portal_shared.cli import service_cli

main = service_cli(service=SERVICE, package="portal_visits")
