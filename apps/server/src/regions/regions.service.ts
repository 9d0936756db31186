import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error';
import { RegionEntity } from './region.entity';

@Injectable()
export class RegionsService {
  private cache?: Promise<RegionEntity[]>;

  constructor(private readonly dataSource: DataSource) {}

  /** Regions change only by migration, so one read per process is enough. */
  list(): Promise<RegionEntity[]> {
    this.cache ??= this.dataSource.manager.find(RegionEntity, { order: { regionId: 'ASC' } }).catch((error: unknown) => {
      this.cache = undefined;
      throw error;
    });
    return this.cache;
  }

  async assertExists(regionId: string): Promise<void> {
    const regions = await this.list();
    if (!regions.some((r) => r.regionId === regionId)) throw new ApiError('InvalidRegionId.NotFound');
  }
}
