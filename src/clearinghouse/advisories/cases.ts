/** The thin adapter from the case half's `caseForAdvisory` to what an advisory is drafted from. */
import type { CaseForAdvisory, ClearinghouseService } from '../service.ts'
import type { AdvisoryCaseInput } from './model.ts'
import type { CasePort } from './service.ts'

export function toCaseInput(c: CaseForAdvisory): AdvisoryCaseInput {
  return {
    caseId: c.caseId,
    title: c.title,
    tlp: c.tlp,
    disclosureAt: c.embargoEndsAt,
    description: c.description,
    cwes: c.cwes,
    cveIds: c.cveIds,
    cvss31: c.cvss31,
    cvss40: c.cvss40,
    products: c.products.map(({ product, productKey }) => ({
      key: productKey,
      purl: product.purl,
      cpe: product.cpe,
      vendor: product.vendor,
      product: product.product,
      versions: product.versions,
    })),
    vex: c.vex.map((v) => ({
      vendorName: v.vendorName,
      product: v.product,
      versionRange: v.versionRange,
      status: v.status,
      justification: v.justification,
      fixedVersion: v.fixedVersion,
      statement: v.statement,
    })),
    credits: c.credits,
    participants: c.participants.map((p) => ({
      orgId: p.orgId,
      personId: p.personId,
      role: p.role,
    })),
  }
}

export function caseAdapter(
  clearinghouse: Pick<ClearinghouseService, 'caseForAdvisory' | 'allVendorsAgreeToPublish'>,
): CasePort {
  return {
    caseForAdvisory: async (id) => toCaseInput(await clearinghouse.caseForAdvisory(id)),
    allVendorsAgreeToPublish: (id) => clearinghouse.allVendorsAgreeToPublish(id),
  }
}
