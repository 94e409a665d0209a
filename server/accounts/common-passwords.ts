/**
 * The most common passwords (from public breach frequency lists), refused at sign-up.
 * A short list on purpose: it stops the passwords tried first by every guessing attack,
 * without turning sign-up into a puzzle. Only those of 8+ characters matter, since shorter
 * ones fail the length rule anyway.
 */
const LIST = `
password 12345678 123456789 1234567890 qwertyuiop 11111111 00000000 iloveyou princess
sunshine football baseball password1 password123 qwerty123 abc12345 12341234 87654321
11223344 1q2w3e4r 1qaz2wsx zaq12wsx qwertyui asdfghjk asdfasdf superman trustno1 whatever
letmein1 welcome1 welcome123 admin123 administrator passw0rd p@ssw0rd p@ssword 123123123
1234qwer qwer1234 q1w2e3r4 q1w2e3r4t5 1q2w3e4r5t computer internet starwars michelle
jennifer jordan23 basketball mustang1 shadow12 master12 dragon12 monkey12 charlie1
football1 baseball1 liverpool chelsea1 arsenal1 soccer12 hello123 loveyou1 freedom1
changeme changeme1 default1 secret12 secret123 88888888 99999999 66666666 55555555
12121212 123qweasd qweasdzxc zxcvbnm1 zxcvbnmm asdf1234 abcd1234 a1b2c3d4 aaaaaaaa
iloveyou1 princess1 sunshine1 1234abcd 147258369 123654789 987654321 0987654321
`;

const COMMON = new Set(LIST.split(/\s+/).filter(Boolean));

/** True when the password, ignoring case, is on the common list. */
export function isCommonPassword(password: string): boolean {
  return COMMON.has(password.toLowerCase());
}
