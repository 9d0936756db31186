import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { ApiError } from '../common/api-error';
import { APP_CONFIG } from '../config/app-config.token';
import { NOTIFICATION_CHANNELS } from '../database/notification-channels';
import { PgListener } from '../database/pg-listener';
import { AppConfig, serviceScheme } from '../config/config.schema';
import { AccessKeyEntity, AccessKeyRole } from './access-key.entity';
import { SecretBox } from './secret-box';
import { ServiceSettingEntity } from './service-setting.entity';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const KEY_CHECK_SETTING = 'secret_key_check';
const KEY_CHECK_PLAINTEXT = 'cloud-assistant';
const BOOTSTRAP_LOCK_KEY = 0x43_41_42_4b; // "CABK"

export interface IssuedAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface VerifiableAccessKey {
  accessKeyId: string;
  secret: string;
  role: AccessKeyRole;
  instanceId: string | null;
}

function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[bytes[i] % ALPHANUMERIC.length];
  return out;
}

const CACHE_TTL_MS = 60_000;
const CACHE_MAX_ENTRIES = 10_000;

@Injectable()
export class AccessKeysService {
  private readonly logger = new Logger(AccessKeysService.name);
  /**
   * Verified keys, so a signed request costs no key lookup. Deleting a key notifies every
   * process, which drops it at once; after a lost LISTEN connection the whole cache is dropped,
   * and the TTL bounds anything else.
   */
  private readonly cache = new Map<string, { key: VerifiableAccessKey; expiresAt: number }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly secretBox: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    listener: PgListener,
  ) {
    listener.on(NOTIFICATION_CHANNELS.accessKeys, (payload) => {
      for (const id of payload.split(',')) this.cache.delete(id);
    });
    listener.onReconnect(() => this.cache.clear());
  }

  async create(role: AccessKeyRole, options: { instanceId?: string; description?: string; manager?: EntityManager } = {}): Promise<IssuedAccessKey> {
    const issued: IssuedAccessKey = {
      accessKeyId: `LTAI${randomAlphanumeric(20)}`,
      accessKeySecret: randomAlphanumeric(30),
    };
    await (options.manager ?? this.dataSource.manager).insert(AccessKeyEntity, {
      accessKeyId: issued.accessKeyId,
      secretCiphertext: this.secretBox.seal(issued.accessKeySecret),
      role,
      instanceId: options.instanceId ?? null,
      description: options.description ?? '',
    });
    return issued;
  }

  async delete(accessKeyId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const result = await manager.delete(AccessKeyEntity, { accessKeyId });
      if (!result.affected) throw new ApiError('InvalidAccessKeyId.NotFound');
      await this.announceRevoked(manager, [accessKeyId]);
    });
  }

  /** Every process drops these keys from its cache when the surrounding transaction commits. */
  async announceRevoked(manager: EntityManager, accessKeyIds: string[]): Promise<void> {
    if (accessKeyIds.length === 0) return;
    this.cache.clear(); // this process need not wait for the notification
    await manager.query('SELECT pg_notify($1, $2)', [NOTIFICATION_CHANNELS.accessKeys, accessKeyIds.join(',')]);
  }

  async findForVerification(accessKeyId: string): Promise<VerifiableAccessKey | undefined> {
    const cached = this.cache.get(accessKeyId);
    if (cached && cached.expiresAt > Date.now()) return cached.key;
    const row = await this.dataSource.manager.findOneBy(AccessKeyEntity, { accessKeyId });
    if (!row) return undefined;
    const key: VerifiableAccessKey = {
      accessKeyId: row.accessKeyId,
      secret: this.secretBox.open(row.secretCiphertext),
      role: row.role,
      instanceId: row.instanceId,
    };
    if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(accessKeyId, { key, expiresAt: Date.now() + CACHE_TTL_MS });
    return key;
  }

  /**
   * Start-up: checks that this process seals with the same key as the database's other users,
   * then ensures the bootstrap admin key. Serialized across replicas.
   */
  async bootstrap(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
      await this.verifyEncryptionKey(manager);
      if (this.config.BOOTSTRAP_ACCESS_KEY_ID && this.config.BOOTSTRAP_ACCESS_KEY_SECRET) {
        await manager.upsert(
          AccessKeyEntity,
          {
            accessKeyId: this.config.BOOTSTRAP_ACCESS_KEY_ID,
            secretCiphertext: this.secretBox.seal(this.config.BOOTSTRAP_ACCESS_KEY_SECRET),
            role: 'admin',
            instanceId: null,
            description: 'bootstrap (BOOTSTRAP_ACCESS_KEY_ID)',
          },
          ['accessKeyId'],
        );
        await this.announceRevoked(manager, [this.config.BOOTSTRAP_ACCESS_KEY_ID]);
        return;
      }
      const anyAdmin = await manager.existsBy(AccessKeyEntity, { role: 'admin' });
      if (anyAdmin) return;
      const issued = await this.create('admin', { manager, description: 'generated at first start' });
      const file = this.writeCredentialsFile(issued);
      this.logger.log(`generated admin access key ${issued.accessKeyId}; its secret is in ${file}`);
    });
  }

  private async verifyEncryptionKey(manager: EntityManager): Promise<void> {
    const setting = await manager.findOneBy(ServiceSettingEntity, { name: KEY_CHECK_SETTING });
    if (!setting) {
      await manager.insert(ServiceSettingEntity, { name: KEY_CHECK_SETTING, value: this.secretBox.seal(KEY_CHECK_PLAINTEXT) });
      return;
    }
    let opened: string | undefined;
    try {
      opened = this.secretBox.open(setting.value);
    } catch {
      opened = undefined;
    }
    if (opened !== KEY_CHECK_PLAINTEXT) {
      throw new Error(
        'SECRET_ENCRYPTION_KEY (or DATA_DIR/secret.key) is not the key this database was set up with; ' +
          'every replica sharing a database must use the same SECRET_ENCRYPTION_KEY',
      );
    }
  }

  private writeCredentialsFile(issued: IssuedAccessKey): string {
    const dir = resolve(this.config.DATA_DIR);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'credentials.json');
    const endpoint = `${serviceScheme(this.config)}://${this.config.HOST}:${this.config.PORT}`;
    writeFileSync(file, JSON.stringify({ ...issued, endpoint }, null, 2) + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
    return file;
  }
}
