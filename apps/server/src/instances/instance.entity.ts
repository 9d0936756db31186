import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { RegionEntity } from '../regions/region.entity';

export const INSTANCE_STATUSES = ['Pending', 'Starting', 'Running', 'Stopping', 'Stopped'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];
export const NETWORK_TYPES = ['vpc', 'classic'] as const;
export type NetworkType = (typeof NETWORK_TYPES)[number];
export const OS_TYPES = ['linux', 'windows'] as const;
export type OsType = (typeof OS_TYPES)[number];

/** A machine in the inventory. It "has a client" once an agent has registered on it. */
@Entity('instances')
@Check('instances_status_check', `status IN ('Pending', 'Starting', 'Running', 'Stopping', 'Stopped')`)
@Check('instances_network_type_check', `network_type IN ('vpc', 'classic')`)
@Check('instances_os_type_check', `os_type IN ('linux', 'windows')`)
@Index('instances_region_created_idx', ['regionId', 'createdAt'])
@Index('instances_machine_id_idx', ['machineId'])
export class InstanceEntity {
  @PrimaryColumn({ name: 'instance_id', type: 'varchar', length: 64 })
  instanceId: string;

  @Column({ name: 'region_id', type: 'varchar', length: 32 })
  regionId: string;

  @ManyToOne(() => RegionEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'region_id' })
  region?: RegionEntity;

  @Column({ name: 'instance_name', type: 'varchar', length: 128, default: '' })
  instanceName: string;

  @Column({ name: 'network_type', type: 'varchar', length: 16, default: 'vpc' })
  networkType: NetworkType;

  @Column({ type: 'varchar', length: 16, default: 'Running' })
  status: InstanceStatus;

  @Column({ name: 'os_type', type: 'varchar', length: 16, default: 'linux' })
  osType: OsType;

  /** Set when an agent registered on this instance: from then on it has a client. */
  @Column({ name: 'agent_registered_at', type: 'timestamptz', nullable: true })
  agentRegisteredAt: Date | null;

  @Column({ name: 'agent_version', type: 'varchar', length: 64, nullable: true })
  agentVersion: string | null;

  @Column({ name: 'agent_hostname', type: 'varchar', length: 255, nullable: true })
  agentHostname: string | null;

  /** The facts below are what the agent said of its machine when it last started (AgentStart). */
  @Column({ name: 'agent_started_at', type: 'timestamptz', nullable: true })
  agentStartedAt: Date | null;

  /** /etc/os-release's PRETTY_NAME. */
  @Column({ name: 'os_name', type: 'varchar', length: 128, nullable: true })
  osName: string | null;

  /** /etc/os-release's VERSION_ID. */
  @Column({ name: 'os_version', type: 'varchar', length: 128, nullable: true })
  osVersion: string | null;

  @Column({ name: 'kernel_version', type: 'varchar', length: 128, nullable: true })
  kernelVersion: string | null;

  @Column({ name: 'intranet_ips', type: 'varchar', length: 45, array: true, nullable: true })
  intranetIps: string[] | null;

  /**
   * /etc/machine-id: shown so that an admin can tell two registrations of one machine apart
   * from two machines. Never an identity: a machine id is not a secret, so it never lets a new
   * registration take over an instance.
   */
  @Column({ name: 'machine_id', type: 'varchar', length: 64, nullable: true })
  machineId: string | null;

  /** The boot the agent last started in: a different one means the machine has rebooted. */
  @Column({ name: 'boot_id', type: 'varchar', length: 64, nullable: true })
  bootId: string | null;

  @Column({ name: 'last_heartbeat_at', type: 'timestamptz', nullable: true })
  lastHeartbeatAt: Date | null;

  @Column({ name: 'activation_id', type: 'varchar', length: 64, nullable: true })
  activationId: string | null;

  // Named, not imported: activations sit above instances (an activation enrols instances), and
  // the foreign key needs only the name.
  @ManyToOne('ActivationEntity', { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'activation_id' })
  activation?: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
