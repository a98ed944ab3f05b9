"""`portal-identity migrate`."""
from portal_identity import SERVICE
from portal_shared.cli import service_cli

main = service_cli(service=SERVICE, package="portal_identity")
