/** orgs.csv */
import type { OrOrg } from '../../model/oneroster.js';
import { cell, readMetadata, requiredCell } from './cells.js';
import { fileNameOf } from './files.js';
import { forEachLiveRow } from './live-rows.js';
import type { Problems } from './problems.js';
import { resolveParents } from './references.js';
import { emptyRegistry, Registry } from './registry.js';
import { columnOf, sourceOf, type Sheet } from './sheet.js';
import { ORG_TYPES, readEnum } from './vocabularies.js';

export function readOrgs(sheet: Sheet | null, problems: Problems): Registry<OrOrg> {
  if (!sheet) return emptyRegistry(fileNameOf('orgs'));
  const registry = new Registry<OrOrg>(sheet.file, sheet.usable);
  if (!sheet.usable) return registry;
  const nameCol = columnOf(sheet, 'name');
  const typeCol = columnOf(sheet, 'type');
  const identifierCol = columnOf(sheet, 'identifier');
  const parentCol = columnOf(sheet, 'parentSourcedId');
  forEachLiveRow(sheet, registry, problems, 'org', (row, i, id) => {
    const name = requiredCell(sheet, row, i, nameCol, problems, 'org');
    const type = readEnum(sheet, row, i, typeCol, ORG_TYPES, problems, 'org');
    if (name === null || type === null) {
      registry.broken.add(id);
      return;
    }
    registry.add({
      sourcedId: id, name, type, identifier: cell(row, identifierCol.index), parentSourcedId: cell(row, parentCol.index),
      metadata: readMetadata(sheet, row), source: sourceOf(sheet, i),
    });
  });
  resolveParents(registry, sheet, problems);
  return registry;
}
