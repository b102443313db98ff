import { describe, expect, it } from 'vitest';
import * as enums from '../src/enums';

// The members DESIGN.md fixes, in declaration order.
const EXPECTED: Record<string, string[]> = {
  MessageDirection: ['INBOUND', 'OUTBOUND'],
  MessageStatus: ['SENT', 'DELIVERED', 'READ', 'FAILED'],
  MessageSource: ['MESSENGER', 'WHATSAPP', 'LEAD_CENTER', 'MANUAL'],
  LeadStage: ['NEW', 'CONTACTED', 'QUALIFIED', 'HOT', 'PROPOSAL', 'NEGOTIATION', 'CLOSED_WON', 'CLOSED_LOST'],
  CustomerLabel: ['HOT', 'WARM', 'COLD', 'UNQUALIFIED'],
  CustomerType: ['INDIVIDUAL', 'BUSINESS', 'WHOLESALE', 'RETAIL', 'LEAD'],
  PostType: ['POST', 'STORY', 'REEL', 'AD'],
  Governorate: [
    'ALEXANDRIA', 'ASWAN', 'ASYUT', 'BEHEIRA', 'BENI_SUEF', 'CAIRO', 'DAKAHLIA', 'DAMIETTA', 'FAIYUM',
    'GHARBIA', 'GIZA', 'ISMAILIA', 'KAFR_EL_SHEIKH', 'LUXOR', 'MATRUH', 'MINYA', 'MONUFIA', 'NEW_VALLEY',
    'NORTH_SINAI', 'PORT_SAID', 'QALYUBIA', 'QENA', 'RED_SEA', 'SHARQIA', 'SOHAG', 'SOUTH_SINAI', 'SUEZ',
  ],
  LeadActivityType: ['STAGE_CHANGE', 'LABEL_CHANGE', 'SCORE_CHANGE', 'NOTE', 'CONTACT'],
  AdCampaignStatus: ['ACTIVE', 'PAUSED', 'ARCHIVED'],
  SettingValueType: ['STRING', 'NUMBER', 'BOOLEAN', 'JSON'],
  MessageKind: ['TEXT', 'IMAGE', 'AUDIO', 'VIDEO', 'FILE', 'STICKER', 'REACTION', 'LOCATION', 'CONTACTS', 'POSTBACK', 'UNSUPPORTED'],
};

const all = Object.entries(enums) as Array<[string, Record<string, string>]>;

describe('enums', () => {
  it('exports exactly the enums of the design', () => {
    expect(all.map(([name]) => name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s has exactly the members of the design', (name, members) => {
    const enumObject = (enums as unknown as Record<string, Record<string, string>>)[name];
    expect(Object.keys(enumObject ?? {})).toEqual(members);
  });

  it.each(all)('every value of %s is the lower-case snake_case of its member name', (_name, enumObject) => {
    for (const [member, value] of Object.entries(enumObject)) {
      expect(value).toBe(member.toLowerCase());
      expect(value).toMatch(/^[a-z]+(_[a-z]+)*$/);
    }
  });

  it.each(all)('%s has string values only and no duplicates', (_name, enumObject) => {
    const values = Object.values(enumObject);
    expect(values.every((v) => typeof v === 'string')).toBe(true);
    expect(new Set(values).size).toBe(values.length);
  });

  it('has the 27 governorates of Egypt', () => {
    expect(Object.keys(enums.Governorate)).toHaveLength(27);
    expect(enums.Governorate.KAFR_EL_SHEIKH).toBe('kafr_el_sheikh');
  });

  it('stores closed_won for LeadStage.CLOSED_WON, as the design example says', () => {
    expect(enums.LeadStage.CLOSED_WON).toBe('closed_won');
  });
});
