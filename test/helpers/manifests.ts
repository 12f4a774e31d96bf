/** A small valid manifest for project acme, environment production. */
export const ACME_MANIFEST = `version: 1
project: acme
environment: production
database:
  instanceClass: db.t4g.medium
  readers: 1
app:
  allowPlainHttp: true
  release: [php, artisan, migrate, --force]
  workers:
    - name: default
      command: [php, artisan, queue:work]
`;
