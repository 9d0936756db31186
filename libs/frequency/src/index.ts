export { FrequencyError } from './frequency-error';
export {
  nextFireTime,
  nextFireTimes,
  parseFrequency,
  previewFireTimes,
  storedFrequency,
  type FirePreview,
  type Frequency,
  type ParseFrequencyOptions,
} from './frequency';
