"""Comments on posts: who may write and read them, @mentions, and a post's conversation."""

from scheduler.comments.access import comment_refusal, may_read_comments, require_may_comment
from scheduler.comments.conversation import Remark, comments_on, conversation, standing_send_back
from scheduler.comments.mentions import mentioned_names, resolve_mentions
from scheduler.comments.operations import MAX_LENGTH, CommentAdded, add_comment

__all__ = [
    "MAX_LENGTH",
    "CommentAdded",
    "Remark",
    "add_comment",
    "comment_refusal",
    "comments_on",
    "conversation",
    "may_read_comments",
    "mentioned_names",
    "require_may_comment",
    "resolve_mentions",
    "standing_send_back",
]
