import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Alibaba's public regions, seeded by a migration; commands and instances reference them. */
@Entity('regions')
export class RegionEntity {
  @PrimaryColumn({ name: 'region_id', type: 'varchar', length: 32 })
  regionId: string;

  @Column({ name: 'local_name', type: 'varchar', length: 64 })
  localName: string;

  @Column({ name: 'local_name_en', type: 'varchar', length: 64 })
  localNameEn: string;

  @Column({ name: 'region_endpoint', type: 'varchar', length: 128 })
  regionEndpoint: string;
}
