/**
 * Built-in name lists for synthetic people. Common given and family names of many origins, drawn
 * independently, so every generated person is invented: no list here pairs a given name with a
 * family name, and no real person's record is reproduced.
 *
 * Both lists deliberately include apostrophes (D'Andre, O'Brien), hyphens (Jean-Luc,
 * Smith-Jones), spaces (de la Cruz), periods (St. Pierre) and non-ASCII letters (Zoë, Nguyễn,
 * Wiśniewski, Øberg), because real rosters have them and logins/e-mails must be derived from them.
 */
import type { Rng } from './random.js';

export const GIVEN_NAMES: readonly string[] = [
  // The first block is drawn more often (common names repeat in real rosters).
  'Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Elijah', 'Sophia', 'James', 'Isabella', 'William',
  'Mia', 'Benjamin', 'Charlotte', 'Lucas', 'Amelia', 'Henry', 'Harper', 'Alexander', 'Evelyn', 'Mateo',
  'Abigail', 'Daniel', 'Emily', 'Michael', 'Ella', 'Sebastian', 'Elizabeth', 'Jack', 'Sofia', 'Owen',
  'Avery', 'Samuel', 'Scarlett', 'Jacob', 'Grace', 'Aiden', 'Chloé', 'Logan', 'Victoria', 'Jackson',
  // Everyone else.
  'Riley', 'David', 'Aria', 'Joseph', 'Lily', 'Carter', 'Zoë', 'Wyatt', 'Nora', 'John',
  'Hannah', 'Luke', 'Layla', 'Gabriel', 'Camila', 'Anthony', 'Penelope', 'Isaac', 'Maya', 'Dylan',
  'Valentina', 'Leo', 'Ximena', 'Julian', 'Lucía', 'Jayden', 'Fatima', 'Levi', 'Aaliyah', 'Ezra',
  'Mariana', 'Christopher', 'Ayesha', 'Joshua', 'Priya', 'Andrew', 'Aisha', 'Lincoln', 'Mei', 'Santiago',
  'Yuki', 'Nathan', 'Hana', 'Caleb', 'Sakura', 'Ryan', 'Ji-woo', 'Adrian', 'Min-jun', 'Jaxon',
  'Seo-yeon', 'Miguel', 'Ananya', 'Diego', 'Kiara', 'Juan', 'Imani', 'Luis', 'Nia', 'Carlos',
  'Amara', 'Jorge', 'Zainab', 'Muhammad', 'Leila', 'Omar', 'Yasmin', 'Ali', 'Noor', 'Ahmed',
  'Renée', 'Hiroshi', 'Siobhán', 'Kenji', 'Saoirse', 'Arjun', 'Niamh', 'Rohan', 'Aoife', 'Wei',
  'Ingrid', 'Jun', 'Astrid', 'Minh', 'Freya', 'Duc', 'Linh', 'Thanh', 'Anh', 'Björn',
  'Malia', 'Kai', 'Leilani', 'Tariq', 'Esperanza', 'Jean-Luc', 'Mary-Kate', "D'Andre", 'Anna-Sofia', 'José',
  'François', 'Ngọc', 'Thảo', 'Chidi', 'Adaeze', 'Kwame', 'Abena', 'Tomás', 'Inés', 'Rafael',
  'Beatriz', 'Dmitri', 'Katya', 'Nikolai', 'Oksana', 'Joaquín', 'Élodie', 'Ayşe', 'Emre', "Ja'Nae",
];

export const FAMILY_NAMES: readonly string[] = [
  // Common block (drawn more often).
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyễn', 'Hill', 'Flores',
  // Everyone else.
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  'Gomez', 'Phillips', 'Evans', 'Turner', 'Diaz', 'Parker', 'Cruz', 'Edwards', 'Collins', 'Reyes',
  'Stewart', 'Morris', 'Morales', 'Murphy', 'Cook', 'Rogers', 'Gutierrez', 'Ortiz', 'Morgan', 'Cooper',
  'Peterson', 'Bailey', 'Reed', 'Kelly', 'Howard', 'Ramos', 'Kim', 'Cox', 'Ward', 'Richardson',
  'Watson', 'Brooks', 'Chavez', 'Wood', 'Bennett', 'Gray', 'Mendoza', 'Ruiz', 'Hughes', 'Price',
  'Alvarez', 'Castillo', 'Sanders', 'Patel', 'Myers', 'Long', 'Ross', 'Foster', 'Jiménez', "O'Brien",
  "O'Connor", 'McDonald', 'MacLeod', "D'Angelo", 'Smith-Jones', 'Garcia-Lopez', 'de la Cruz', 'St. Pierre', 'Trần', 'Phạm',
  'Lê', 'Santos', 'Silva', 'Oliveira', 'Costa', 'Müller', 'Schmidt', 'Fischer', 'Novak', 'Kowalski',
  'Wiśniewski', 'Ivanova', 'Petrov', 'Yilmaz', 'Öztürk', 'Haddad', 'Khalil', 'Hassan', 'Rahman', 'Khan',
  'Chowdhury', 'Singh', 'Sharma', 'Gupta', 'Reddy', 'Iyer', 'Chen', 'Wang', 'Zhang', 'Liu',
  'Huang', 'Zhou', 'Tanaka', 'Suzuki', 'Sato', 'Yamamoto', 'Park', 'Choi', 'Okafor', 'Adeyemi',
  'Mensah', 'Boateng', 'Diallo', 'Kamau', 'Dubois', 'Lefèvre', 'Rossi', 'Esposito', 'Andersson', 'Øberg',
  'Nielsen', 'Kealoha', 'Begay', 'Yazzie', 'Nuñez', 'Peña', 'Ibáñez', 'Van der Berg', 'Fitzgerald', 'Abernathy',
];

/** How many leading entries of each list form the "common" block, and how much likelier they are. */
const COMMON_BLOCK = 40;
const COMMON_WEIGHT = 4;

function pickSkewed(rng: Rng, list: readonly string[]): string {
  const rest = list.length - COMMON_BLOCK;
  const total = COMMON_BLOCK * COMMON_WEIGHT + rest;
  const r = rng.next() * total;
  if (r < COMMON_BLOCK * COMMON_WEIGHT) return list[Math.floor(r / COMMON_WEIGHT)]!;
  return list[COMMON_BLOCK + Math.min(rest - 1, Math.floor(r - COMMON_BLOCK * COMMON_WEIGHT))]!;
}

export function pickGivenName(rng: Rng): string {
  return pickSkewed(rng, GIVEN_NAMES);
}

export function pickFamilyName(rng: Rng): string {
  return pickSkewed(rng, FAMILY_NAMES);
}

const FOLD: Record<string, string> = { 'ø': 'o', 'Ø': 'o', 'đ': 'd', 'Đ': 'd', 'ł': 'l', 'Ł': 'l', 'ß': 'ss', 'æ': 'ae', 'Æ': 'ae', 'œ': 'oe', 'Œ': 'oe', 'ı': 'i' };

/**
 * A name as it appears in a login or an e-mail local part: accents folded to ASCII, lower case,
 * anything but a-z and 0-9 dropped ("O'Brien" → "obrien", "Nguyễn" → "nguyen", "de la Cruz" →
 * "delacruz", "Øberg" → "oberg").
 */
export function loginPart(name: string): string {
  let cached = loginPartCache.get(name);
  if (cached === undefined) {
    cached = foldName(name);
    if (loginPartCache.size < 10_000) loginPartCache.set(name, cached);
  }
  return cached;
}

const loginPartCache = new Map<string, string>();

function foldName(name: string): string {
  let out = '';
  for (const ch of name.normalize('NFD')) {
    const folded = FOLD[ch] ?? ch;
    out += folded;
  }
  return out.replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]/g, '');
}
