#!/bin/sh
# Provisions the compose data space (deploy/compose/compose.yaml, service authority-init): the
# authority, then three nodes (a medical insurance fund, a commercial insurer, an automotive OEM),
# each with an encrypted key, a certificate with its roles and a node.yaml rendered from
# node.yaml.template. Work already done is skipped, so it runs on every `docker compose up`; an
# existing authority is never touched, and an existing node.yaml is not rewritten. The authority's
# key stays in the authority directory: a node's directory gets only its own key, certificate,
# node.yaml and pgpass, and the trust directory only the authority's certificate and CRL.
#
# Environment (the defaults are the container's paths):
#   SLUICE                the sluice CLI                                   /opt/sluice/sluice
#   SLUICE_SPACE          the data space id                                mobility-health
#   SLUICE_AUTHORITY_DIR  the authority: its key, certificate and CRL      /var/lib/sluice/authority
#                         (private to this job; never mounted in a node)
#   SLUICE_TRUST_DIR      copies of authority.crt and authority.crl, all   /var/lib/sluice/trust
#                         a node needs of the authority
#   SLUICE_KEYS_DIR       one directory per node (each its own volume):    /var/lib/sluice/keys
#                         node.key, node.crt, node.yaml, pgpass
#   SLUICE_DATA_DIR       each node's dataDir, in the node's container     /var/lib/sluice/data
#   SLUICE_SECRETS_DIR    authority_passphrase, <node>_passphrase and      /run/secrets
#                         postgres_password (one value per file)
#   SLUICE_NODE_TEMPLATE  the node.yaml template                           next to this script
#   SLUICE_DB_HOST, SLUICE_DB_PORT, SLUICE_DB_NAME, SLUICE_DB_USER         postgres 5432 sluice sluice
#   SLUICE_GRPC_PORT, SLUICE_HEALTH_PORT                                   7443 8081
set -eu

SLUICE="${SLUICE:-/opt/sluice/sluice}"
SPACE="${SLUICE_SPACE:-mobility-health}"
KEYS="${SLUICE_KEYS_DIR:-/var/lib/sluice/keys}"
DATA="${SLUICE_DATA_DIR:-/var/lib/sluice/data}"
SECRETS="${SLUICE_SECRETS_DIR:-/run/secrets}"
TEMPLATE="${SLUICE_NODE_TEMPLATE:-$(dirname "$0")/node.yaml.template}"
DB_HOST="${SLUICE_DB_HOST:-postgres}"
DB_PORT="${SLUICE_DB_PORT:-5432}"
DB_NAME="${SLUICE_DB_NAME:-sluice}"
DB_USER="${SLUICE_DB_USER:-sluice}"
GRPC_PORT="${SLUICE_GRPC_PORT:-7443}"
HEALTH_PORT="${SLUICE_HEALTH_PORT:-8081}"
AUTHORITY="${SLUICE_AUTHORITY_DIR:-/var/lib/sluice/authority}"
TRUST="${SLUICE_TRUST_DIR:-/var/lib/sluice/trust}"

# id|organisation|roles|attributes -- the id is also the compose service name.
PARTICIPANTS='fund|National Health Insurance Fund|medical-insurance-fund|industry=insurance,country=DE
insurer|Meridian Mutual Insurance|commercial-insurer|industry=insurance,country=DE
oem|Nordwerk Automotive AG|automotive-oem|industry=automotive,country=DE'

say() { printf 'provision: %s\n' "$*"; }
fail() { printf 'provision: %s\n' "$*" >&2; exit 1; }

# A secret file must exist and hold a value; compose fills it from SLUICE_<NAME>.
need_secret() {
  [ -s "$SECRETS/$1" ] || fail "secret $SECRETS/$1 is missing or empty (compose: set $(printf 'SLUICE_%s' "$1" | tr '[:lower:]' '[:upper:]'))"
}

# An awk program that copies a template with every ${NAME} replaced by the environment variable
# NAME (values may span lines); a placeholder without a value is an error. Values are passed with
# env(1): assignments in front of a shell function are not portably exported.
RENDER='{
  line = $0; out = ""
  while (match(line, /\$\{[A-Z_][A-Z0-9_]*\}/)) {
    name = substr(line, RSTART + 2, RLENGTH - 3)
    if (!(name in ENVIRON)) {
      printf "provision: %s:%d: no value for ${%s}\n", FILENAME, FNR, name > "/dev/stderr"
      exit 1
    }
    out = out substr(line, 1, RSTART - 1) ENVIRON[name]
    line = substr(line, RSTART + RLENGTH)
  }
  print out line
}'

[ -f "$TEMPLATE" ] || fail "no template $TEMPLATE"
need_secret authority_passphrase
need_secret postgres_password
ids=$(printf '%s\n' "$PARTICIPANTS" | cut -d'|' -f1)
for id in $ids; do need_secret "${id}_passphrase"; done

umask 077
mkdir -p "$KEYS"

if [ -e "$AUTHORITY/authority.key" ] || [ -e "$AUTHORITY/authority.crt" ]; then
  say "authority exists in $AUTHORITY; left as it is"
else
  "$SLUICE" authority init --dir "$AUTHORITY" --space "$SPACE" \
    --name "$SPACE data space authority" \
    --passphrase-file "$SECRETS/authority_passphrase" </dev/null
fi

# What a node needs of the authority, and nothing else: its certificate and CRL, copied into the
# trust directory (again whenever they changed, e.g. after `authority crl` re-signed the CRL).
mkdir -p "$TRUST"
for f in authority.crt authority.crl; do
  if ! cmp -s "$AUTHORITY/$f" "$TRUST/$f"; then
    cp "$AUTHORITY/$f" "$TRUST/$f.tmp"
    chmod 644 "$TRUST/$f.tmp"
    mv "$TRUST/$f.tmp" "$TRUST/$f"
    say "copied $f to $TRUST"
  fi
done

# The store password, for pgjdbc's password file (PGPASSFILE); ':' and '\' are escaped.
password=$(sed 's/[\\:]/\\&/g' "$SECRETS/postgres_password")

provision_node() {
  id=$1 org=$2 roles=$3 attrs=$4
  dir="$KEYS/$id"
  passphrase="$SECRETS/${id}_passphrase"
  mkdir -p "$dir"

  if [ -e "$dir/node.key" ]; then
    say "$id: key exists"
  else
    "$SLUICE" node init --dir "$dir" --participant "$id" --org "$org" --host "$id" \
      --passphrase-file "$passphrase" </dev/null
  fi

  if [ -e "$dir/node.crt" ]; then
    say "$id: certificate exists"
  else
    set --
    old_ifs=$IFS
    IFS=,
    for attr in $attrs; do set -- "$@" --attr "$attr"; done
    IFS=$old_ifs
    "$SLUICE" authority issue --dir "$AUTHORITY" --csr "$dir/node.csr" --roles "$roles" "$@" \
      --out "$dir/node.crt" --passphrase-file "$SECRETS/authority_passphrase" </dev/null
  fi

  if [ -e "$dir/pgpass" ]; then
    say "$id: pgpass exists"
  else
    printf '%s:%s:%s:%s:%s\n' "$DB_HOST" "$DB_PORT" "$DB_NAME" "$DB_USER" "$password" \
      >"$dir/pgpass.tmp"
    mv "$dir/pgpass.tmp" "$dir/pgpass"
    say "$id: wrote $dir/pgpass"
  fi

  if [ -e "$dir/node.yaml" ]; then
    say "$id: node.yaml exists"
  else
    peers=""
    for peer in $ids; do
      if [ "$peer" != "$id" ]; then
        peers="$peers${peers:+
}  $peer: $peer:$GRPC_PORT"
      fi
    done
    # PostgreSQL schema names: letters, digits and '_' need no quoting
    schema=$(printf '%s' "$id" | tr '.-' '__')
    env PARTICIPANT="$id" SPACE="$SPACE" GRPC_PORT="$GRPC_PORT" HEALTH_PORT="$HEALTH_PORT" \
      NODE_DIR="$dir" PASSPHRASE_FILE="$passphrase" TRUST_DIR="$TRUST" \
      DATA_DIR="$DATA" PEERS="$peers" \
      STORE_URL="jdbc:postgresql://$DB_HOST:$DB_PORT/$DB_NAME?user=$DB_USER&currentSchema=$schema" \
      awk "$RENDER" "$TEMPLATE" >"$dir/node.yaml.tmp"
    # through a temporary file, so that a failure never leaves half a node.yaml
    mv "$dir/node.yaml.tmp" "$dir/node.yaml"
    say "$id: wrote $dir/node.yaml"
  fi
}

while IFS='|' read -r id org roles attrs; do
  provision_node "$id" "$org" "$roles" "$attrs"
done <<EOF
$PARTICIPANTS
EOF
say "data space '$SPACE' is ready in $KEYS"
