/**
 * A copy of `object` without the properties `names`: what `const { name: _dropped, ...rest } = object` gives, without
 * binding the values dropped.
 */
export function without<T extends object, K extends keyof T>(object: T, names: readonly K[]): Omit<T, K> {
    const copy: Partial<T> = { ...object };
    for (const name of names) delete copy[name];
    return copy as Omit<T, K>;
}
