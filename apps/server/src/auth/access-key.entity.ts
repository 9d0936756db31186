import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

export type AccessKeyRole = 'admin' | 'readonly' | 'agent';

/** An access key. The secret is stored only encrypted (AES-256-GCM, see secret-box.ts). */
@Entity('access_keys')
@Check('access_keys_role_check', `role IN ('admin', 'readonly', 'agent')`)
@Check('access_keys_agent_has_instance', `(role = 'agent') = (instance_id IS NOT NULL)`)
export class AccessKeyEntity {
  @PrimaryColumn({ name: 'access_key_id', type: 'varchar', length: 64 })
  accessKeyId: string;

  @Column({ name: 'secret_ciphertext', type: 'bytea' })
  secretCiphertext: Buffer;

  @Column({ type: 'varchar', length: 16 })
  role: AccessKeyRole;

  @Index('access_keys_instance_id_idx')
  @Column({ name: 'instance_id', type: 'varchar', length: 64, nullable: true })
  instanceId: string | null;

  /** An agent's credential dies with its instance. */
  // Named, not imported: access keys sit below instances (instances revoke their agent's keys).
  @ManyToOne('InstanceEntity', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'instance_id' })
  instance?: unknown;

  @Column({ type: 'varchar', length: 256, default: '' })
  description: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
