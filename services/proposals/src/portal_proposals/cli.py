"""`portal-proposals migrate`."""
from portal_proposals import SERVICE
from portal_shared.cli import service_cli

main = service_cli(service=SERVICE, package="portal_proposals")
