#!/bin/sh
# Runs before every command of the image (web, workers, scheduler, release).
set -eu

# Cache configuration, routes, views and events now, with the environment ECS injected: caching at
# build time would bake in the build machine's (empty) environment.
php artisan optimize --no-interaction

exec "$@"
