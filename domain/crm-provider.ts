/** The CRMs the engine can create deals in (and name on a lead's deal link). */
export type CrmProvider = 'zoho' | 'hubspot';
