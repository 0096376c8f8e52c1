#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised: a database for Synapse
# with the C collation Synapse insists on, owned by its own role.
set -eu
password=$(cat /run/secrets/synapse_db_password)
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$password" <<'SQL'
CREATE ROLE synapse LOGIN PASSWORD :'password';
CREATE DATABASE synapse OWNER synapse ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'
  TEMPLATE template0;
SQL
