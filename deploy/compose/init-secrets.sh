#!/bin/sh
# Creates the secret files compose.yaml reads, once: random passwords and
# tokens, mode 0600, in ./secrets (ignored by git). Existing files are kept.
# Afterwards:
#   - give every agent site its token: the plain lines of secrets/agent_tokens
#     (or replace them with sha256:<hex> lines, see docs/security.md);
#   - for the Graph pull, put the app registration's client secret in
#     secrets/graph_client_secret.
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets
random() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
for name in influx_admin_password influx_admin_token grafana_admin_password; do
	[ -s "secrets/$name" ] || { random > "secrets/$name"; echo "created secrets/$name"; }
done
if [ ! -s secrets/agent_tokens ]; then
	{
		echo "# One agent token a line, plain or sha256:<hex>; the collector reloads this file."
		echo "$(random)"
	} > secrets/agent_tokens
	echo "created secrets/agent_tokens with one token"
fi
[ -e secrets/graph_client_secret ] || { : > secrets/graph_client_secret; echo "created empty secrets/graph_client_secret (fill it for --profile graph)"; }
# The containers read the secrets as their own users (bind mounts keep the
# mode); the 0700 folder keeps other users on the host out.
chmod 0700 secrets
chmod 0644 secrets/*
