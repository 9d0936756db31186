import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A SignatureNonce seen within the timestamp window; the primary key refuses a replay. */
@Entity('signature_nonces')
export class SignatureNonceEntity {
  @PrimaryColumn({ name: 'access_key_id', type: 'varchar', length: 64 })
  accessKeyId: string;

  @PrimaryColumn({ type: 'varchar', length: 128 })
  nonce: string;

  @Index('signature_nonces_expires_at_idx')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
