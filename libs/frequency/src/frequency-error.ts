/**
 * Thrown for any frequency the service must refuse. `code` is the error code the Alibaba
 * InvokeCommand / RunCommand APIs return for a bad Frequency, so the HTTP layer can pass it through.
 */
export class FrequencyError extends Error {
  readonly code = 'InvalidParam.Frequency';

  constructor(message: string) {
    super(message);
    this.name = 'FrequencyError';
  }
}
