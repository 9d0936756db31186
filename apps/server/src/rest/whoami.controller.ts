import { Get } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { responseSchema, RestResponse } from './openapi';
import { RestCaller, RestCallerInfo } from './request-context';
import { RestResource } from './rest-common';

const WhoAmI = responseSchema(
  'WhoAmI',
  z.object({
    accessKeyId: z.string(),
    role: z.enum(['admin', 'readonly']).meta({ description: 'readonly keys may only GET' }),
  }),
);

/** The dashboard's sign-in check: are these credentials good, and what may they do? */
@RestResource('whoami', 'access')
export class WhoAmIRestController {
  @Get()
  @ApiOperation({ operationId: 'whoAmI', summary: 'The access key the request authenticated with, and its role' })
  @RestResponse(200, WhoAmI, 'The caller')
  whoAmI(@RestCaller() caller: RestCallerInfo): z.output<typeof WhoAmI> {
    // RestAuthGuard lets only admin and readonly keys through.
    return { accessKeyId: caller.accessKeyId, role: caller.role === 'admin' ? 'admin' : 'readonly' };
  }
}
