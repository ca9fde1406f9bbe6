/**
 * The invented vocabulary of the demo agency. A few names carry accents, apostrophes or hyphens
 * and a few values carry commas, so the files exercise UTF-8 and CSV quoting.
 */
export const GIVEN_NAMES: readonly string[] = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen',
  'Christopher', 'Lisa', 'Daniel', 'Nancy', 'Matthew', 'Betty', 'Anthony', 'Sandra', 'Mark', 'Margaret',
  'Donald', 'Ashley', 'Steven', 'Kimberly', 'Andrew', 'Emily', 'Paul', 'Donna', 'Joshua', 'Michelle',
  'Kenneth', 'Carol', 'Kevin', 'Amanda', 'Brian', 'Melissa', 'George', 'Deborah', 'Timothy', 'Stephanie',
  'Ronald', 'Rebecca', 'Jason', 'Sharon', 'Edward', 'Laura', 'Jeffrey', 'Cynthia', 'Ryan', 'Dorothy',
  'Jacob', 'Amy', 'Gary', 'Kathleen', 'Nicholas', 'Angela', 'Eric', 'Shirley', 'Jonathan', 'Emma',
  'Luis', 'Maria', 'Wei', 'Mei', 'Ahmed', 'Fatima', 'Raj', 'Priya', 'Hiroshi', 'Yuki',
  'José', 'Zoë', 'Chloé', 'André', 'Renée', 'Siobhán', 'Björn', 'Anh', 'Kwame', 'Ngozi',
  'Mary-Kate', 'Jean-Luc',
];

export const FAMILY_NAMES: readonly string[] = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  'Chen', 'Wang', 'Kim', 'Patel', 'Singh', 'Khan', 'Tanaka', 'Okafor', 'Mensah', 'Kowalski',
  'Murphy', 'Sullivan', 'Cohen', 'Schmidt', 'Novak', 'Rossi', 'Silva', 'Costa', 'Ivanova', 'Haddad',
  "O'Brien", "O'Neil", "D'Angelo", 'Smith-Jones', 'García', 'Müller', 'Núñez', 'Çelik', 'Peña', 'Le',
];

export interface DepartmentEntry {
  readonly name: string;
  /** Index into COMPONENTS. */
  readonly component: number;
  /** Relative size. */
  readonly weight: number;
}

export const COMPONENTS: readonly string[] = [
  'Office of the Secretary',
  'Office of the Chief Information Officer',
  'Office of the Chief Financial Officer',
  'Office of Human Capital',
  'Bureau of Field Operations',
  'Bureau of Research and Standards',
  'Bureau of Enforcement',
  'Office of Inspector General',
];

const dept = (name: string, component: number, weight: number): DepartmentEntry => ({ name, component, weight });

export const DEPARTMENTS: readonly DepartmentEntry[] = [
  dept('Executive Secretariat', 0, 1),
  dept('Office of General Counsel', 0, 2),
  dept('Office of Public Affairs', 0, 1),
  dept('Office of Legislative Affairs', 0, 1),
  dept('Office of Policy, Planning and Evaluation', 0, 2),
  dept('Enterprise Infrastructure', 1, 4),
  dept('Cybersecurity Operations', 1, 3),
  dept('Identity, Credential and Access Management', 1, 2),
  dept('Application Services', 1, 4),
  dept('Data and Analytics', 1, 2),
  dept('Budget Formulation', 2, 2),
  dept('Accounting Operations', 2, 3),
  dept('Acquisition and Procurement', 2, 3),
  dept('Grants Management', 2, 2),
  dept('Financial Systems', 2, 1),
  dept('Talent Acquisition', 3, 2),
  dept('Benefits and Payroll', 3, 2),
  dept('Employee Relations', 3, 1),
  dept('Learning and Development', 3, 1),
  dept('Personnel Security', 3, 2),
  dept('Northeast Region', 4, 6),
  dept('Southeast Region', 4, 6),
  dept('Central Region', 4, 5),
  dept('Mountain Region', 4, 4),
  dept('Pacific Region', 4, 6),
  dept('Laboratory Services', 5, 4),
  dept('Standards Development', 5, 2),
  dept('Scientific Computing', 5, 2),
  dept('Environmental Research', 5, 3),
  dept('Technology Transfer', 5, 1),
  dept('Investigations', 6, 4),
  dept('Compliance and Inspections', 6, 5),
  dept('Licensing', 6, 2),
  dept('Border Liaison', 6, 2),
  dept('Intelligence Analysis', 6, 2),
  dept('Audits', 7, 2),
  dept('OIG Investigations', 7, 1),
  dept('Evaluations and Inspections', 7, 1),
  dept('OIG Counsel', 7, 1),
  dept('OIG Management', 7, 1),
];

export const LOCATIONS: readonly string[] = [
  'Washington, DC', 'Arlington, VA', 'Baltimore, MD', 'Boston, MA', 'New York, NY', 'Philadelphia, PA',
  'Atlanta, GA', 'Miami, FL', 'Chicago, IL', 'Kansas City, MO', 'Dallas, TX', 'Houston, TX',
  'Denver, CO', 'Salt Lake City, UT', 'Phoenix, AZ', 'Seattle, WA', 'San Francisco, CA', 'Los Angeles, CA',
  'Anchorage, AK', 'Honolulu, HI', 'San Juan, PR', 'Remote',
];

export const HEAD_TITLES: readonly string[] = ['Director', 'Executive Director', 'Associate Director'];

export const SUPERVISOR_TITLES: readonly string[] = [
  'Supervisory IT Specialist', 'Supervisory Program Analyst', 'Supervisory Management Analyst',
  'Branch Chief', 'Division Chief', 'Team Lead', 'Supervisory Investigator', 'Supervisory Accountant',
  'Deputy Director', 'Program Manager',
];

export const STAFF_TITLES: readonly string[] = [
  'IT Specialist (INFOSEC)', 'IT Specialist (SYSADMIN)', 'IT Specialist (APPSW)', 'Program Analyst',
  'Management Analyst', 'Budget Analyst', 'Accountant', 'Contract Specialist', 'Grants Specialist',
  'Human Resources Specialist', 'Attorney-Advisor', 'Paralegal Specialist', 'Public Affairs Specialist',
  'Investigator', 'Criminal Investigator', 'Auditor', 'Physical Scientist', 'Chemist', 'Biologist',
  'Statistician', 'Data Scientist', 'Engineer, Civil', 'Engineer, Electrical', 'Inspector',
  'Administrative Officer', 'Executive Assistant', 'Records Specialist', 'Security Specialist',
  'Logistics Management Specialist', 'Writer-Editor',
];

export const CONTRACTOR_COMPANIES: readonly string[] = [
  'Acme Federal Services, LLC', 'Blue Ridge Systems', 'Capitol Data Partners, Inc.', 'Delmarva Consulting',
  'Eagle Point Technologies', 'Foggy Bottom Analytics', 'Granite Mission Solutions', 'Harborview IT, Inc.',
  'Ironwood Defense Group', 'Juniper Lane Associates', 'Keystone Cyber, LLC', 'Liberty Bell Logistics',
];

export const OTHER_AFFILIATIONS: readonly string[] = [
  'Intergovernmental Personnel Act Detail', 'Student Volunteer', 'Visiting Scientist', 'Interagency Detail',
];

export const LEAVE_TYPES: readonly string[] = ['medical', 'military', 'parental', 'administrative'];

export const COURSES: readonly string[] = [
  'Cyber Awareness', 'Privacy', 'Insider Threat', 'Records Management', 'No FEAR Act', 'Ethics',
];

export const NPE_KINDS = ['service', 'bot', 'ai_agent', 'device'] as const;

export const NPE_PREFIX: Readonly<Record<(typeof NPE_KINDS)[number], string>> = {
  service: 'svc',
  bot: 'bot',
  ai_agent: 'agent',
  device: 'dev',
};

export const NPE_SYSTEMS: readonly string[] = [
  'payroll', 'hr', 'ledger', 'grants', 'case', 'lab', 'badge', 'mail', 'backup', 'siem', 'ticket', 'portal',
];

export const NPE_FUNCTIONS: readonly string[] = [
  'export', 'import', 'sync', 'scan', 'report', 'monitor', 'triage', 'archive', 'notify', 'reconcile',
];
