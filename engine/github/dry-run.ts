/**
 * A pull request host that never writes: `--dry-run` wires this in place of the real one, so the
 * code above the port cannot forget a check. Reads go to the real host when there is one (to show
 * what would be edited), else see an empty pull request; writes are described and answered with
 * made-up ids.
 */
import type {
  CheckRunInput, CommitStatusInput, IssueComment, NewPullRequest, PullRequest, PullRequestHost, PullRequestPatch, Review,
} from './scm.js';

export class DryRunHost implements PullRequestHost {
  readonly repository: string;
  private nextId = -1;

  constructor(private readonly reads: PullRequestHost | null, private readonly say: (line: string) => void, repository?: string) {
    this.repository = reads?.repository ?? repository ?? 'owner/repository';
  }

  /** The real host's identity when there is one; a made-up one matches nothing on an empty pull request. */
  identity(): Promise<string> {
    return this.reads ? this.reads.identity() : Promise.resolve('dry-run');
  }

  listComments(pr: number): Promise<IssueComment[]> {
    return this.reads ? this.reads.listComments(pr) : Promise.resolve([]);
  }

  listReviews(pr: number): Promise<Review[]> {
    return this.reads ? this.reads.listReviews(pr) : Promise.resolve([]);
  }

  getPullRequest(pr: number): Promise<PullRequest> {
    if (this.reads) return this.reads.getPullRequest(pr);
    return Promise.resolve(this.pull({ number: pr, head: { ref: 'unknown', sha: '' } }));
  }

  pullRequestsForCommit(sha: string): Promise<PullRequest[]> {
    return this.reads ? this.reads.pullRequestsForCommit(sha) : Promise.resolve([]);
  }

  findOpenPullRequest(head: string, base: string): Promise<PullRequest | null> {
    return this.reads ? this.reads.findOpenPullRequest(head, base) : Promise.resolve(null);
  }

  createComment(pr: number, body: string): Promise<IssueComment> {
    this.say(`would create a comment on #${pr} (${body.length} characters)`);
    return Promise.resolve(this.comment(body));
  }

  updateComment(id: number, body: string): Promise<IssueComment> {
    this.say(`would edit comment ${id} (${body.length} characters)`);
    return Promise.resolve({ ...this.comment(body), id });
  }

  deleteComment(id: number): Promise<void> {
    this.say(`would delete comment ${id}`);
    return Promise.resolve();
  }

  createCheckRun(input: CheckRunInput): Promise<{ id: number; url: string }> {
    this.say(`would create check run "${input.name}" on ${input.headSha || '(unknown commit)'}: ${input.conclusion} (${input.title})`);
    return Promise.resolve({ id: this.nextId--, url: '' });
  }

  setCommitStatus(input: CommitStatusInput): Promise<void> {
    this.say(`would set commit status "${input.context}" on ${input.sha}: ${input.state} (${input.description})`);
    return Promise.resolve();
  }

  createPullRequest(input: NewPullRequest): Promise<PullRequest> {
    this.say(`would open a pull request from ${input.head} into ${input.base}: ${input.title}`);
    return Promise.resolve(this.pull({ title: input.title, body: input.body, head: { ref: input.head, sha: '' }, base: { ref: input.base } }));
  }

  updatePullRequest(pr: number, patch: PullRequestPatch): Promise<PullRequest> {
    this.say(`would update pull request #${pr} (${Object.keys(patch).join(', ')})`);
    const { base, ...rest } = patch;
    return Promise.resolve(this.pull({ number: pr, ...rest, head: { ref: 'unknown', sha: '' }, ...(base ? { base: { ref: base } } : {}) }));
  }

  private comment(body: string): IssueComment {
    return { id: this.nextId--, body, author: 'dry-run', createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString(), url: '' };
  }

  private pull(fields: Partial<PullRequest>): PullRequest {
    return { number: this.nextId--, state: 'open', title: '', body: '', head: { ref: '', sha: '' }, base: { ref: 'main' }, url: '', merged: false, ...fields };
  }
}
