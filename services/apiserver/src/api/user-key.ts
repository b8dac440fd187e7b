/** The parts of an authenticated user (authn's and authz's UserInfo alike) that caches key on. */
export interface UserIdentity {
  name: string;
  groups: readonly string[];
}

// users are shared objects once authenticated (a cached token's, a connection certificate's)
const nameAndGroupsKeys = new WeakMap<UserIdentity, string>();

/**
 * The user's name and groups as one string, for caches of answers that depend on nothing else
 * of the user (RBAC decisions, APF classifications). Built once per user object, which must
 * therefore not be changed after it is first used.
 */
export function nameAndGroupsKey(user: UserIdentity): string {
  let key = nameAndGroupsKeys.get(user);
  if (key === undefined) {
    key = `${user.name}\u0000${user.groups.join('\u0001')}`;
    nameAndGroupsKeys.set(user, key);
  }
  return key;
}
