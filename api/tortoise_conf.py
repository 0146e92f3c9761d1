"""For tortoise's own CLI (`tortoise -c api.tortoise_conf.TORTOISE_ORM makemigrations`): the config from settings."""

from api.db import tortoise_config
from api.settings import Settings

TORTOISE_ORM = tortoise_config(Settings())
