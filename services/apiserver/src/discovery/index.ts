export { legacyApiVersions, apiGroupList, apiGroup, apiResourceList } from './legacy';
export { aggregatedDiscovery, AGGREGATED_DISCOVERY_V2_MEDIA_TYPE } from './aggregated';
export { storageVersionHash } from './storage-version-hash';
export { compareVersions, priorityOf, servedGroups } from './ordering';
