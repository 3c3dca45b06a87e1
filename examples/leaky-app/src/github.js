// Fetches release notes from the GitHub API.
const GITHUB_TOKEN = "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";

export async function releases(repo) {
  const res = await fetch(`https://api.github.com/repos/${repo}/releases`, {
    headers: { Authorization: `token ${GITHUB_TOKEN}` },
  });
  return res.json();
}
