export { FrequencyError } from './frequency-error';
export {
  nextFireTime,
  nextFireTimes,
  parseFrequency,
  previewFireTimes,
  type FirePreview,
  type Frequency,
  type ParseFrequencyOptions,
} from './frequency';
