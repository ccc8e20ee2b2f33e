import { z } from 'zod';

/**
 * The catalog file format (version 1). A catalog is data: a list of resources, each with
 * its permissions, a description, the permissions it implies and companion notes.
 * See docs/catalog.md.
 */
export const PERMISSION_NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

const permissionName = z.string().regex(PERMISSION_NAME, {
  error: 'must be lowercase snake_case, e.g. `customer_read`',
});

const companionSchema = z.strictObject({
  permission: permissionName,
  note: z.string().min(1),
});

const permissionObjectSchema = z.strictObject({
  name: permissionName,
  description: z.string().min(1).optional(),
  access: z.enum(['read', 'write']).optional(),
  implies: z.array(permissionName).optional(),
  companions: z.array(companionSchema).optional(),
});

const resourceSchema = z.strictObject({
  resource: z.string().min(1),
  description: z.string().min(1),
  permissions: z.array(z.union([permissionName, permissionObjectSchema])).min(1),
  implies: z.array(permissionName).optional(),
  companions: z.array(companionSchema).optional(),
});

export const catalogFileSchema = z.strictObject({
  $schema: z.string().optional(),
  formatVersion: z.literal(1),
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, { error: 'must be lowercase letters, digits, `.`, `_` or `-`' }),
  title: z.string().optional(),
  source: z.string().optional(),
  writeImpliesRead: z.boolean().optional(),
  resources: z.array(resourceSchema).min(1),
});

export type CatalogFile = z.infer<typeof catalogFileSchema>;
export type CatalogResourceEntry = z.infer<typeof resourceSchema>;
export type CatalogPermissionEntry = CatalogResourceEntry['permissions'][number];
export type CatalogCompanionEntry = z.infer<typeof companionSchema>;
