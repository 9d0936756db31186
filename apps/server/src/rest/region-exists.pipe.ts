import { Injectable, PipeTransform } from '@nestjs/common';
import { RegionsService } from '../regions/regions.service';

/**
 * A REST route's `?regionId=` must name a region that exists (InvalidRegionId.NotFound), as an
 * RPC action declared with `region: 'required'`. Applied by RestQuery to every query with a
 * regionId. Nest resolves a route's parameters together: a path parameter or body that fails
 * to parse fails synchronously, before this asynchronous look-up can, so a malformed request is
 * answered 400 whatever its region, as over RPC.
 */
@Injectable()
export class RegionExistsPipe implements PipeTransform<{ regionId: string }, Promise<{ regionId: string }>> {
  constructor(private readonly regions: RegionsService) {}

  async transform(query: { regionId: string }): Promise<{ regionId: string }> {
    await this.regions.assertExists(query.regionId);
    return query;
  }
}
