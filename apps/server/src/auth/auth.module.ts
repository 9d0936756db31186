import { Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';
import { AccessKeysActions } from './access-keys.actions';
import { AccessKeysService } from './access-keys.service';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { loadEncryptionKey } from './encryption-key';
import { RateLimiter } from './rate-limiter';
import { RequestAuthenticator } from './request-authenticator';
import { SecretBox } from './secret-box';

@Module({
  providers: [
    { provide: SecretBox, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new SecretBox(loadEncryptionKey(config)) },
    AccessKeysService,
    AccessKeysActions,
    RequestAuthenticator,
    RateLimiter,
    AuthFailureLimiter,
  ],
  exports: [AccessKeysService, RequestAuthenticator, RateLimiter, AuthFailureLimiter],
})
export class AuthModule {}
