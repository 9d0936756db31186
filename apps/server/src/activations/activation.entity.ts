import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { RegionEntity } from '../regions/region.entity';

/**
 * A one-time registration grant for agents (Alibaba's managed-instance activation). The code
 * is stored only as a SHA-256 hash; the count limit is a check constraint, so two agents
 * racing for the last slot cannot both win.
 */
@Entity('activations')
@Check('activations_count_check', `registered_count >= 0 AND registered_count <= instance_count`)
@Check('activations_instance_count_check', `instance_count BETWEEN 1 AND 1000`)
@Index('activations_region_created_idx', ['regionId', 'createdAt'])
export class ActivationEntity {
  @PrimaryColumn({ name: 'activation_id', type: 'varchar', length: 64 })
  activationId: string;

  @Column({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash: string;

  @Column({ name: 'region_id', type: 'varchar', length: 32 })
  regionId: string;

  @ManyToOne(() => RegionEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'region_id' })
  region?: RegionEntity;

  @Column({ name: 'instance_name', type: 'varchar', length: 128, default: '' })
  instanceName: string;

  @Column({ name: 'instance_count', type: 'int', default: 10 })
  instanceCount: number;

  @Column({ name: 'registered_count', type: 'int', default: 0 })
  registeredCount: number;

  @Column({ name: 'deregistered_count', type: 'int', default: 0 })
  deregisteredCount: number;

  @Column({ name: 'time_to_live_hours', type: 'int', default: 4 })
  timeToLiveInHours: number;

  @Column({ name: 'ip_address_range', type: 'varchar', length: 64, default: '0.0.0.0/0' })
  ipAddressRange: string;

  @Column({ type: 'varchar', length: 256, default: '' })
  description: string;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  /**
   * When set, the only existing instances this activation may bind; it then cannot create new
   * managed instances. Null: any unbound instance of the region, or a new managed one.
   */
  @Column({ name: 'instance_ids', type: 'varchar', length: 64, array: true, nullable: true })
  instanceIds: string[] | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
