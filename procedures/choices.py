"""Anatomy and risk vocabularies shared by the catalog, the rules and the bookings."""

from django.db import models


class Region(models.TextChoices):
    CERVICAL = "cervical", "Cervical"
    THORACIC = "thoracic", "Thoracic"
    LUMBAR = "lumbar", "Lumbar"
    SACRAL = "sacral", "Sacral"


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BILATERAL = "bilateral", "Bilateral"


class BleedingRisk(models.TextChoices):
    """ASRA/ESRA 2018 classes for interventional spine and pain procedures."""

    LOW = "low", "Low"
    INTERMEDIATE = "intermediate", "Intermediate"
    HIGH = "high", "High"


class Family(models.TextChoices):
    FACET = "facet", "Facet (blocks and ablation)"
    EPIDURAL = "epidural", "Epidural steroid injection"
    SI_JOINT = "si_joint", "Sacroiliac joint"
    TRIGGER_POINT = "trigger_point", "Trigger point"
    SYMPATHETIC = "sympathetic", "Sympathetic block"
    SCS = "scs", "Spinal cord stimulation"
    KYPHOPLASTY = "kyphoplasty", "Vertebral augmentation"
    DISCOGRAPHY = "discography", "Discography"
