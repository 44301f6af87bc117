import { buildRequest, EMPTY_FORM } from './components/SearchForm';

describe('archive search form', () => {
  it('builds each mode, with filters', () => {
    expect(buildRequest({ ...EMPTY_FORM, target: ' NGC 3324 ', filter: 'f200w', calib_level: '3' }, 1, 24)).toEqual({
      mode: 'target', target: 'NGC 3324', filter: 'F200W', calib_level: 3, page: 1, page_size: 24,
    });
    expect(buildRequest({ ...EMPTY_FORM, mode: 'coordinates', ra: '159.2', dec: '-58.6', radius: '0.1' }, 2, 24)).toMatchObject({ ra: 159.2, dec: -58.6, radius: 0.1, page: 2 });
    expect(buildRequest({ ...EMPTY_FORM, mode: 'program', proposal_id: '2731' }, 1, 24)).toMatchObject({ proposal_id: '2731' });
    expect(buildRequest({ ...EMPTY_FORM, mode: 'observation', obs_id: 'jw02731-o001_t017' }, 1, 24)).toMatchObject({ obs_id: 'jw02731-o001_t017' });
  });

  it('says what is wrong', () => {
    expect(buildRequest(EMPTY_FORM, 1, 24)).toBe('Enter a target name');
    expect(buildRequest({ ...EMPTY_FORM, mode: 'coordinates', ra: '400', dec: '0' }, 1, 24)).toMatch(/RA/);
    expect(buildRequest({ ...EMPTY_FORM, mode: 'program', proposal_id: 'abc' }, 1, 24)).toMatch(/number/);
  });
});
