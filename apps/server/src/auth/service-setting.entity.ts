import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Small facts the service keeps about its own database, e.g. which encryption key it uses. */
@Entity('service_settings')
export class ServiceSettingEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'bytea' })
  value: Buffer;
}
