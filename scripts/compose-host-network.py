#!/usr/bin/python3
"""Derives the host-network variant of a compose file, for scripts/compose-test.sh.

    docker-compose -f compose.yaml config | scripts/compose-host-network.py \
        --env app:APP_PORT=18000 --env nginx:APP_UPSTREAM=127.0.0.1:18000 > compose.host.yaml

Reads the output of `docker-compose config` (the real file, fully resolved) and changes only what a
private engine without a bridge needs: every service and every build joins the host's network, so
`ports`, `networks` and the top-level `networks` go; `--env` adds or overrides environment variables
(the ports and the upstream address, since service names no longer resolve); `--scale` sets how many
containers of a service run (replicas on one host network would all claim the same port). Everything else (build,
volumes, healthchecks, depends_on conditions, restart policies) passes through untouched, so the test
runs what `docker compose up` runs.

Run it with Debian's /usr/bin/python3: it needs python3-yaml.
"""
import argparse
import sys

import yaml


def parse_env(item):
    """'service:NAME=value' -> (service, NAME, value)."""
    service, sep, assignment = item.partition(":")
    name, eq, value = assignment.partition("=")
    if not (sep and eq and service and name):
        raise argparse.ArgumentTypeError(f"expected SERVICE:NAME=VALUE, got '{item}'")
    return service, name, value


def as_mapping(environment):
    """Compose allows a list of NAME=value as well as a mapping; the mapping is easier to change."""
    if isinstance(environment, list):
        return dict(entry.partition("=")[::2] for entry in environment)
    return dict(environment or {})


def parse_scale(item):
    """'service=N' -> (service, N)."""
    service, eq, count = item.partition("=")
    if not (eq and service and count.isdigit()):
        raise argparse.ArgumentTypeError(f"expected SERVICE=N, got '{item}'")
    return service, int(count)


def host_network_variant(config, env_overrides, scales=()):
    services = config.get("services") or {}
    for service in [svc for svc, _, _ in env_overrides] + [svc for svc, _ in scales]:
        if service not in services:
            sys.exit(f"compose-host-network.py: no service '{service}' in the compose file")
    for service, count in scales:  # replicas of one service would all claim the same port of the host
        services[service]["scale"] = count

    # `config` adds `version: '3.9'`; the real file has none (the compose spec): keep it read the same way.
    config.pop("version", None)
    config.pop("networks", None)  # no bridge networks may be created on the private engine

    for service_name, service in services.items():
        service.pop("ports", None)      # on the host's network a container's ports are the host's ports
        service.pop("networks", None)
        service["network_mode"] = "host"
        if isinstance(service.get("build"), dict):
            service["build"]["network"] = "host"   # apt-get and Maven inside the build need the network
        overrides = {name: value for svc, name, value in env_overrides if svc == service_name}
        if overrides:
            environment = as_mapping(service.get("environment"))
            environment.update(overrides)
            service["environment"] = environment
    return config


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", action="append", default=[], type=parse_env, metavar="SERVICE:NAME=VALUE",
                        help="set an environment variable of one service (repeatable)")
    parser.add_argument("--scale", action="append", default=[], type=parse_scale, metavar="SERVICE=N",
                        help="set how many containers of a service run (repeatable)")
    args = parser.parse_args()
    config = yaml.safe_load(sys.stdin)
    if not isinstance(config, dict) or "services" not in config:
        sys.exit("compose-host-network.py: stdin is not a compose file (expected `docker-compose config` output)")
    yaml.safe_dump(host_network_variant(config, args.env, args.scale), sys.stdout, default_flow_style=False, sort_keys=False)


if __name__ == "__main__":
    main()
