// Migrations are imported, not read from disk, so they work from src (tests) and dist alike.
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_rate_limits.js';
import * as m0003 from './0003_payee_secrets.js';
import * as m0004 from './0004_mixpay_wire.js';
import * as m0005 from './0005_health_probe.js';
import * as m0006 from './0006_lease_owners.js';
import * as m0007 from './0007_endpoints.js';
import * as m0008 from './0008_recoveries.js';
import * as m0009 from './0009_secret_rotation.js';
import * as m0010 from './0010_retention.js';
import * as m0011 from './0011_attempt_requests.js';

const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_rate_limits': m0002,
  '0003_payee_secrets': m0003,
  '0004_mixpay_wire': m0004,
  '0005_health_probe': m0005,
  '0006_lease_owners': m0006,
  '0007_endpoints': m0007,
  '0008_recoveries': m0008,
  '0009_secret_rotation': m0009,
  '0010_retention': m0010,
  '0011_attempt_requests': m0011,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
