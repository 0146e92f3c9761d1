# Sourced by infra/test.sh: find or start PostgreSQL and Redis for the tests, and export their URLs.
_svc_dir="$PWD/var/test-services"
_started_pg="" ; _started_redis=""

_pg_ok() { PGCONNECT_TIMEOUT=3 psql "$1" -qtAc 'select 1' >/dev/null 2>&1; }

start_test_services() {
  mkdir -p "$_svc_dir"
  if [[ -z "${OPENCCUS_TEST_DATABASE_URL:-}" ]]; then
    if _pg_ok "postgresql://postgres@127.0.0.1:5432/postgres"; then
      export OPENCCUS_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/openccus_test"
    else
      local bin; bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
      local data="$_svc_dir/pg"
      rm -rf "$data"; mkdir -p "$data"; chown postgres "$data" "$_svc_dir" 2>/dev/null || true
      # initdb refuses to run as root: run the throwaway cluster as the postgres user when we are root.
      local as=(); [[ $(id -u) -eq 0 ]] && as=(runuser -u postgres --)
      "${as[@]}" "$bin/initdb" -D "$data" -U postgres -A trust >/dev/null
      "${as[@]}" "$bin/pg_ctl" -D "$data" -o "-p 55432 -k $_svc_dir -c listen_addresses=127.0.0.1" -l "$data/log" -w start >/dev/null
      _started_pg="$bin/pg_ctl -D $data"
      export OPENCCUS_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:55432/openccus_test"
    fi
  fi
  if [[ -z "${OPENCCUS_TEST_REDIS_URL:-}" ]]; then
    if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
      export OPENCCUS_TEST_REDIS_URL="redis://127.0.0.1:6379/9"
    else
      redis-server --port 56379 --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
        --pidfile "$_svc_dir/redis.pid" --logfile "$_svc_dir/redis.log"
      _started_redis="$_svc_dir/redis.pid"
      for _ in $(seq 50); do redis-cli -p 56379 ping >/dev/null 2>&1 && break; sleep 0.1; done
      export OPENCCUS_TEST_REDIS_URL="redis://127.0.0.1:56379/9"
    fi
  fi
  echo "==> PostgreSQL: $OPENCCUS_TEST_DATABASE_URL   Redis: $OPENCCUS_TEST_REDIS_URL"
}

stop_test_services() {
  if [[ -n "$_started_pg" ]]; then
    local as=(); [[ $(id -u) -eq 0 ]] && as=(runuser -u postgres --)
    "${as[@]}" $_started_pg -m fast stop >/dev/null 2>&1 || true
  fi
  if [[ -n "$_started_redis" && -f "$_started_redis" ]]; then kill "$(cat "$_started_redis")" 2>/dev/null || true; fi
}
